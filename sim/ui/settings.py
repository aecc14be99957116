"""Where the live app is served: this machine only unless the user says otherwise. A module
of its own so the command line can show the defaults without importing Solara."""

LOCAL_HOST = "127.0.0.1"
APP_PORT = 8765
