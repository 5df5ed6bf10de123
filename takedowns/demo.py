"""The demo sign-ins `seed_demo` creates, in a module without Django imports, so that the `make run` launcher
can print them in its banner without loading the whole portal first (seconds on a busy machine)."""

DEMO_PASSWORD = "demo-recourse-2026"
DEMO_USERS = [
    ("advocate", "advocate@demo.recourse.test", None),
    ("platform", "trust@reddit.demo.recourse.test", "reddit"),
    ("platform", "safety@x.demo.recourse.test", "x"),
]
