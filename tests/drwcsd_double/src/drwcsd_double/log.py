"""The Server log: /var/opt/drwcs/log/drwcsd.log (product-facts 1.8 GUESS) plus, in the foreground, stderr."""

import os
import sys
import threading
import time

LEVELS = {'debug': 10, 'info': 20, 'notice': 25, 'warning': 30, 'error': 40, 'crit': 50}
# drwcsd -verbosity= names (product-facts 5.1 shows -verbosity=all): accept the common spellings
VERBOSITY_ALIASES = {'all': 'debug', 'trace': 'debug', 'debug3': 'debug', 'debug2': 'debug', 'debug1': 'debug',
                     'warn': 'warning', 'err': 'error', 'critical': 'crit'}
TAGS = {10: 'db', 20: 'ii', 25: 'nn', 30: 'ww', 40: 'ee', 50: 'cc'}


def parse_verbosity(value):
    """Level number of a -verbosity= value; ValueError if unknown."""
    name = VERBOSITY_ALIASES.get(value.lower(), value.lower())
    if name not in LEVELS:
        raise ValueError('unknown verbosity %r' % value)
    return LEVELS[name]


class Log:
    """Append-only log writer, safe to use from several threads.

    Line format (double's choice): ``YYYYMMDD.hhmmss.mmm tt [  pid] message`` where tt is ii, ww, ee ...
    """

    def __init__(self, path=None, level=20, echo=False):
        self.path = path
        self.level = level
        self.echo = echo
        self.lock = threading.Lock()

    def write(self, level, message):
        """Write one message at a level."""
        if level < self.level:
            return
        now = time.time()
        stamp = time.strftime('%Y%m%d.%H%M%S', time.localtime(now)) + '.%03d' % int((now % 1) * 1000)
        line = '%s %s [%6d] %s\n' % (stamp, TAGS.get(level, 'ii'), os.getpid(), message)
        with self.lock:
            if self.path:
                try:
                    with open(self.path, 'a', encoding='utf-8') as handle:
                        handle.write(line)
                except OSError:
                    pass
            if self.echo:
                sys.stderr.write(line)
                sys.stderr.flush()

    def debug(self, message):
        """Debug message."""
        self.write(10, message)

    def info(self, message):
        """Informational message."""
        self.write(20, message)

    def warning(self, message):
        """Warning."""
        self.write(30, message)

    def error(self, message):
        """Error."""
        self.write(40, message)
