"""The Reader role."""

from sim.agents.member import Member
from sim.state.population import READER


class Reader(Member):
    """Reads and asks; becomes a responder through reciprocity."""

    role_code = READER
