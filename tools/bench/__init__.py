"""`make bench` and `make bench-web`: EvoSync measured on the emulators (commands, never timed tests).

The orchestrator (`runner`, `web`) serves the emulators on loopback in its own process; every phase's
work runs in a fresh worker process (`worker`, `jobs`) so its CPU time, peak memory and database
queries are its own. `vkcost` turns the VK emulator's request log into figures and lower bounds;
`naive` replays the same work one API request per operation; `report` prints and writes the results.
"""
