"""Plotly figures and reports built from simulation results."""
