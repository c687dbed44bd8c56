"""A user's settings, one section per route (general, risk, strategy, dca): stored and
effective (after the plan's caps) values."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, jsonify
from pydantic import BaseModel, create_model

from verzek.api.auth import require_owner
from verzek.api.context import ctx
from verzek.api.schemas import SECURITY, UserPath, api_blueprint, plain_dump, strict_twin
from verzek.engine.accounts import SECTION_MODELS, Section

api = api_blueprint("settings", "/api/users", "a user's trading settings")


def _answer(stored: Any, effective: Any) -> Response:
    return jsonify({"settings": plain_dump(stored), "effective": plain_dump(effective)})


def _routes(section: Section) -> None:
    domain = SECTION_MODELS[section]
    body_model = strict_twin(domain)
    out: type[BaseModel] = create_model(f"{domain.__name__}Answer", settings=(domain, ...),
                                        effective=(domain, ...))

    def read(path: UserPath) -> Response:
        require_owner(path.user_id)
        return _answer(*ctx().accounts.get_settings(path.user_id, section))

    def write(path: UserPath, body: BaseModel) -> Response:
        require_owner(path.user_id)
        return _answer(*ctx().accounts.put_settings(path.user_id, section, body))

    def change(path: UserPath, body: BaseModel) -> Response:
        require_owner(path.user_id)
        return _answer(*ctx().accounts.put_settings(path.user_id, section, body, partial=True))

    docs = {"get": f"Read the {section} settings and their effective values.",
            "put": f"Replace the {section} settings: a field left out takes its default "
                   "(validated; refused beyond the plan).",
            "patch": f"Change only the {section} settings given (the others stay as they are; "
                     "validated as a whole; refused beyond the plan)."}
    for fn, verb, hints in ((read, "get", {"path": UserPath}),
                            (write, "put", {"path": UserPath, "body": body_model}),
                            (change, "patch", {"path": UserPath, "body": body_model})):
        fn.__name__ = f"{verb}_{section}_settings"
        fn.__annotations__ = {**hints, "return": Response}
        fn.__doc__ = docs[verb]
        route: Callable[..., Any] = getattr(api, verb)
        route(f"/<user_id>/settings/{section}", responses={200: out}, security=SECURITY)(fn)


for _section in SECTION_MODELS:
    _routes(_section)  # type: ignore[arg-type]
