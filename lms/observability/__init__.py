"""Running lms on several nodes and seeing what it does: JSON logs with a request id, Prometheus
metrics at /metrics, trusted reverse proxies, and gunicorn's multiprocess metrics (gunicorn_conf).

`lms.observability.setup.init_app` wires it into the app; nothing is imported here.
"""
