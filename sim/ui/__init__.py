"""The live app (`community-sim app`): the Mesa model in the browser, on Solara."""
