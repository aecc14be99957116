#!/usr/bin/env bash
# Reproduce the fit of the model's calibrated defaults (docs/MODEL.md §5.2).
#
# The baseline scenario is fitted with the project's own `community-sim calibrate` to the
# calibration patterns in targets/calibration_baseline.toml only; validation facts are never
# used. Seeds: the scenario's seed (42) roots the replicate seeds and Optuna's TPE sampler,
# so the same command gives the same trials. The study is kept in OUT and resumes there:
# to reproduce the fit from its first trial, give an OUT that does not exist yet.
#
#   scripts/calibrate_defaults.sh [OUT] [TRIALS] [REPLICATES] [MEMBERS] [DAYS]
#   defaults:                     out/calibrate-defaults 120 3 10000 365
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-out/calibrate-defaults}
trials=${2:-120}
replicates=${3:-3}
members=${4:-10000}
days=${5:-365}
bin=${COMMUNITY_SIM:-.venv/bin/community-sim}
"$bin" calibrate scenarios/baseline.toml --targets targets/calibration_baseline.toml \
  --trials "$trials" --replicates "$replicates" --seed 42 \
  --set "population.members=$members" --days "$days" --out "$out"
