"""What comes out: the KPIs of a run (kpis.py), the daily record (daily.py, from running
tallies), the hourly bookkeeping behind them (answering.py) and the one KPI registry
(registry.py: label, unit, kind and which direction is better)."""
