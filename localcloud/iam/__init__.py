"""The local cloud's IAM: the emulator refuses what a function's role (shared/iam_policy.py) does not allow.

- `evaluation`: a role's statements, compiled once, and the decision IAM makes for one action on one resource.
- `requests`: what one HTTP request to the emulator asks for, in IAM's terms (caller, actions, resources, context).
- `gate`: the WSGI middleware in front of moto that decides, answers a refusal as the service would, and logs it.
"""
