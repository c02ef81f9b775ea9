"""`make chaos`: EvoSync under faults, until the VK shop converges — and then it must be exactly right.

`processes` starts and breaks what the faults need (Redis of its own, Celery workers, a MariaDB database of
its own); `clusters` carries the triggers out (in this process with eager Celery, or by real workers);
`faults` are the scenarios; `harness` runs one fault from a fresh merchant to the convergence check;
`report` prints the figures. The fast part (the faults that need no real process) runs in `make test`.
"""
