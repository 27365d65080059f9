"""Small helpers shared by the double's commands."""

import os
import tempfile

TRUE_WORDS = ('yes', 'on', 'true', 'ok', '1')
FALSE_WORDS = ('no', 'off', 'false', '0')


class UsageError(Exception):
    """Bad command line."""


def parse_switches(args, spec):
    """Split a drwcsd-style command line into (switches, positional arguments).

    spec maps a switch name to 'bool' or 'value'. product-facts 5.1 (CONFIRMED): boolean switches accept
    ``-x``, ``-no-x`` and ``-x=yes|no`` (synonyms on/true/OK, off/false) and switches may be abbreviated to a
    unique prefix. Switches come before the verb; a lone ``--`` ends them.
    """
    switches = {}
    rest = list(args)
    while rest and rest[0].startswith('-') and rest[0] != '-':
        arg = rest.pop(0)
        if arg == '--':
            break
        name, sep, value = arg.lstrip('-').partition('=')
        negated = False
        matches = [s for s in spec if s == name] or [s for s in spec if s.startswith(name)]
        if not matches and name.startswith('no-'):
            negated = True
            stem = name[3:]
            matches = [s for s in spec if s == stem and spec[s] == 'bool'] or \
                [s for s in spec if s.startswith(stem) and spec[s] == 'bool']
        if not matches:
            raise UsageError('unknown switch %s' % arg)
        if len(matches) > 1:
            raise UsageError('ambiguous switch %s (%s)' % (arg, ', '.join('-' + m for m in sorted(matches))))
        key = matches[0]
        if spec[key] == 'bool':
            if negated:
                if sep:
                    raise UsageError('switch %s takes no value' % arg)
                switches[key] = False
            elif not sep:
                switches[key] = True
            elif value.lower() in TRUE_WORDS:
                switches[key] = True
            elif value.lower() in FALSE_WORDS:
                switches[key] = False
            else:
                raise UsageError('switch -%s expects yes or no, not %r' % (key, value))
        else:
            if not sep or value == '':
                raise UsageError('switch -%s needs a value (-%s=...)' % (key, key))
            switches[key] = value
    return switches, rest


def write_file(path, data, mode=0o644, uid=None, gid=None):
    """Write a file atomically with the given mode (and owner when uid/gid are given)."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix='.tmp-')
    try:
        with os.fdopen(fd, 'wb') as handle:
            handle.write(data.encode('utf-8') if isinstance(data, str) else data)
        os.chmod(tmp, mode)
        if uid is not None:
            os.chown(tmp, uid, gid if gid is not None else -1)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def read_pid(path):
    """The pid of a live process named in a pid file, else None."""
    try:
        with open(path, encoding='ascii') as handle:
            pid = int(handle.read().strip() or '0')
    except (OSError, ValueError):
        return None
    if pid <= 0:
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    return pid
