"""Pure domain core: models, DCA maths, risk rules, plans and the safety state machine."""
