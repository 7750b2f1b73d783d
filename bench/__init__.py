"""Knuff's benchmark suite: `make bench` (or `python -m bench`).

Benchmarks are scripts, not timed tests (DESIGN.md): each figure is measured in the same
run as a baseline doing the least possible work over the same transport, and reported as
a ratio, so a slow or noisy machine does not fool them. Three measurements:

- webhook: signed inbound replies through gunicorn + `/twilio/sms` vs a bare Flask endpoint
  answering empty TwiML (same gunicorn settings, same `wrk` load);
- dispatch: due nudges sent by `bot.worker.tick` to the local fake Twilio vs a plain
  `requests.Session` posting the same form to the same fake (both sequential);
- memory: RSS of a worker process dispatching 100,000 nudges, sampled at 10/50/100 %.
"""
