"""REST API: Flask app factory, blueprints, auth and schemas."""
