# SPDX-License-Identifier: MIT
"""dump/python/heapsnap/__main__.py — ``python -m heapsnap run [options]
script.py args…``: runs a script as __main__ (as ``python script.py``
would) with dump triggers around it. See docs/python.md#run.

Options:
  --dump-at-exit PATH   dump when the script ends (return, exit or exception);
                        PATH may use {pid}, {n}, {time}
  --signal NAME         dump on that signal (e.g. USR1) to --signal-path
  --signal-path TMPL    default heapsnap-{pid}-{n}.hsnap
  --values              include value previews
  --tracemalloc N       start tracemalloc with N frames first, so dumps carry
                        allocation sites

Environment:
  HEAPSNAP_POSTMORTEM          a path template: switch post-mortem dumps on
                               (uncaught MemoryError; see the options)
  HEAPSNAP_POSTMORTEM_OPTIONS  comma-separated key=value: rss_limit=512M,
                               rss_factor=1.5, interval=1, at_exit=1,
                               on_memory_error=1, max_dumps=5, reserve=64M,
                               grace=5, values=0, quiet=0, level=3, fsync=1
"""

import os
import sys

USAGE = "usage: python -m heapsnap run [--dump-at-exit PATH] [--signal NAME] [--signal-path TMPL] " \
        "[--values] [--tracemalloc N] script.py [args...]"


def _usage(msg=None):
    if msg:
        print("heapsnap: %s" % msg, file=sys.stderr)
    print(USAGE, file=sys.stderr)
    return 2


def _run(argv):
    at_exit = sig = None
    sig_path = "heapsnap-{pid}-{n}.hsnap"
    values = False
    frames = 0
    i = 0
    while i < len(argv) and argv[i].startswith("-"):
        a = argv[i]
        if a == "--":
            i += 1
            break
        if a in ("-h", "--help"):
            print(USAGE)
            print(__doc__.split("Options:", 1)[1].rstrip())
            return 0
        if a == "--values":
            values = True
            i += 1
            continue
        if a not in ("--dump-at-exit", "--signal", "--signal-path", "--tracemalloc") or i + 1 >= len(argv):
            return _usage("unknown option or missing value: '%s'" % a)
        v = argv[i + 1]
        if a == "--dump-at-exit":
            at_exit = v
        elif a == "--signal":
            sig = v
        elif a == "--signal-path":
            sig_path = v
        else:
            try:
                frames = int(v)
            except ValueError:
                return _usage("--tracemalloc wants a number of frames, not '%s'" % v)
        i += 2
    if i >= len(argv):
        return _usage("no script given")
    script, args = argv[i], argv[i + 1:]

    import heapsnap
    from heapsnap import postmortem

    try:
        postmortem.enable_from_env()
    except (TypeError, ValueError) as e:
        return _usage(str(e).replace("heapsnap: ", "", 1))
    if frames:
        import tracemalloc
        tracemalloc.start(frames)
    if sig:
        import signal
        name = sig.upper()
        num = getattr(signal, name if name.startswith("SIG") else "SIG" + name, None)
        if not isinstance(num, int):
            return _usage("unknown signal '%s'" % sig)
        heapsnap.dump_on_signal(num, sig_path, values=values)
    try:
        with open(script, "rb") as f:
            source = f.read()
    except OSError as e:
        print("heapsnap: cannot read '%s': %s" % (script, e.strerror), file=sys.stderr)
        return 1
    import builtins
    import types

    code = compile(source, script, "exec")
    main = types.ModuleType("__main__")
    main.__file__ = script
    main.__builtins__ = builtins
    sys.modules["__main__"] = main
    sys.argv = [script] + args
    sys.path[0] = os.path.dirname(os.path.abspath(script))
    status = 0
    try:
        exec(code, main.__dict__)
    except SystemExit as e:
        status = e.code
    except BaseException:
        # through sys.excepthook, as for an uncaught exception: a post-mortem
        # hook sees the traceback with the failing frames still alive
        sys.excepthook(*sys.exc_info())
        status = 1
    finally:
        if at_exit:
            path = heapsnap._expand(at_exit, 1)
            r = heapsnap.dump(path, values=values, tags={"trigger": "exit"})
            print("heapsnap: wrote %s (%d objects, %.2fs pause)" % (r.path, r.objects, r.seconds),
                  file=sys.stderr)
    return status


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if argv else 2
    if argv[0] != "run":
        return _usage("unknown command '%s'" % argv[0])
    return _run(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
