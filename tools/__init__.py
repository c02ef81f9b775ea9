"""Development tools: the demo (`make run`) and the benchmarks (`make bench`, `make bench-web`).

Production code never imports this package. It is in INSTALLED_APPS only so that Django finds its
commands (`demo`, `bench`, `bench_web`); it has no models. Here the apps and the emulators meet: the
demo seeds the emulators and connects a demo merchant to them through the apps' own services.
"""
