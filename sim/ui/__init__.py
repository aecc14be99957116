"""The live SolaraViz app (`community-sim app`)."""
