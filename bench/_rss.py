"""Memory figures of this process for the benchmarks (Linux /proc; harmless elsewhere).

The benchmarks load their input first, then reset_peak(), then time one call, so that the
peak they report is the call's and not the loading's."""

import resource


def status_kb(key):
    """A /proc/self/status figure in kB ("VmRSS", "VmHWM"), or 0 when it cannot be read."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_mb():
    """The resident set now, in MB (NaN when unknown)."""
    kb = status_kb("VmRSS")
    return kb / 1024 if kb else float("nan")


def maxrss_kb():
    """The peak resident set of the process (since the last reset_peak()), in kB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def peak_mb():
    """Peak RSS since the last reset_peak() (VmHWM), else of the whole process, in MB."""
    kb = status_kb("VmHWM")
    return (kb if kb else maxrss_kb()) / 1024


def reset_peak():
    """Resets the peak to the current RSS (Linux >= 4.0: /proc/self/clear_refs); False
    when it cannot, and the peak is then the whole process's."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False
