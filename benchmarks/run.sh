#!/usr/bin/env bash
# Runs the LstmGen benchmark suite and regenerates docs/benchmarks.md.
#
#   benchmarks/run.sh                 full suite (~15 min on 2 cores), then docs/benchmarks.md
#   benchmarks/run.sh --quick         short job: a smoke test in ~1-2 minutes; report in BenchmarkDotNet.Artifacts/benchmarks-quick.md
#   benchmarks/run.sh --filter TEXT   only benchmarks whose name contains TEXT (Sensor, Batch64, OnnxRuntime, Streaming, Denormals, MultiCore, FmaPeak, ...;
#                                     comma-separated texts: any of them), same job as
#                                     the full suite unless --quick; reported like --quick (docs/ untouched)
#   benchmarks/run.sh --torchsharp    also TorchSharp-cpu (restores ~600 MB once; skipped if libtorch won't load)
#   benchmarks/run.sh --validate      only the numerical checks of every peer
#   benchmarks/run.sh --stopwatch     the checks, then a plain Stopwatch loop (seconds, no BenchmarkDotNet)
#   benchmarks/run.sh --report        rewrite docs/benchmarks.md and .svg from the last run's saved results
#   benchmarks/run.sh --chart         redraw docs/benchmarks.svg from the tables in docs/benchmarks.md
#
# The console log is also saved to benchmarks/BenchmarkDotNet.Artifacts/run.log.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

props=()
for arg in "$@"; do
  if [[ "$arg" == "--torchsharp" ]]; then props+=("-p:WithTorchSharp=true"); fi
done

dotnet build benchmarks/LstmGen.Benchmarks/LstmGen.Benchmarks.csproj -c Release -m:1 -nologo -v:q -clp:NoSummary "${props[@]}"
mkdir -p benchmarks/BenchmarkDotNet.Artifacts
dotnet benchmarks/LstmGen.Benchmarks/bin/Release/net10.0/LstmGen.Benchmarks.dll "$@" 2>&1 \
  | tee benchmarks/BenchmarkDotNet.Artifacts/run.log
