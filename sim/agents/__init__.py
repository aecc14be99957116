"""Mesa agent classes, one per role; all share the columnar Member base."""

from sim.agents.member import Member
from sim.agents.reader import Reader
from sim.agents.responder import Responder
from sim.agents.superuser import SuperUser

AGENT_CLASS_BY_ROLE = (Reader, Responder, SuperUser)

__all__ = ["Member", "Reader", "Responder", "SuperUser", "AGENT_CLASS_BY_ROLE"]
