"""The model's processes, one module per process, as compiled rules.

A rule is a function of the world `w` (sim/state/world.py). Its docstring says what it
reads, what it changes and which random stream it draws from; it reads its parameters from
`w.p`. Rules hand each other the hour's batch through the world's hour buffers, so the same
rule handles a batch of one or of thousands. sim/schedule.py puts them in order.

Rules import only sim.state and each other; the levers (rewards, policies, launches) are
separate steps of the schedule.
"""
