"""What a company can change: reward schemes, response policies and product launches. Each
lever is one or more named steps of the schedule (sim/schedule.py) acting on the world; a
lever that is switched off costs nothing."""
