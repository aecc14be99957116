"""The classic standing-ovation model (Miller & Page 2004): the hall's sightlines and its
Mesa model. The conformity rule it shares with the community's cascades is
`sim.rules.cascade`."""
