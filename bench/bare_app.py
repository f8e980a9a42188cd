"""Reference: the same server stack (gunicorn + Flask), an endpoint that only reads the body."""

from flask import Flask, jsonify, request

application = Flask(__name__)


@application.post("/api/webhooks/<slug>")
def bare(slug: str):  # type: ignore[no-untyped-def]
    request.get_data()
    return jsonify({"success": True})
