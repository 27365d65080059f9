"""drwsign: digital keys and certificates generation utility (product-facts 5.15; subcommand syntax 5.16 GUESS).

    drwsign genkey [<private> [<public>]]
    drwsign extract [-private-key=<pri>] <public>
    drwsign gencert [-private-key=<pri>] [-subj=<subject>] [-days=<n>] <cert.pem>     (alias: cert)
"""

import sys

from . import keys, product, util

USAGE = '''Usage: drwsign <command> [<switches>] [<arguments>]
Digital keys and certificates generation utility.

Commands:
  genkey [<private> [<public>]]          generate a new key pair (default drwcsd.pri drwcsd.pub)
  extract [-private-key=<pri>] <public>  write the public key of a private key (default -private-key=drwcsd.pri)
  gencert [-private-key=<pri>] [-subj=<subject>] [-days=<n>] <cert.pem>
                                         make the Server certificate from the private key; every generation is a
                                         new certificate version (the X.509 serial number: previous + 1)
  cert ...                               same as gencert
  -help                                  this text
'''


def _write_private(path, text):
    util.write_file(path, text, 0o600)


def genkey(args):
    """drwsign genkey."""
    pri = args[0] if args else 'drwcsd.pri'
    pub = args[1] if len(args) > 1 else 'drwcsd.pub'
    text = keys.generate_private_key_text()
    _write_private(pri, text)
    key = keys.load_private_key(pri)
    util.write_file(pub, keys.public_key_text(key), 0o644)
    print('drwsign: key pair generated: %s %s' % (pri, pub))
    return 0


def extract(switches, args):
    """drwsign extract."""
    pri = switches.get('private-key', 'drwcsd.pri')
    if len(args) != 1:
        raise util.UsageError('extract needs exactly one <public> file argument')
    key = keys.load_private_key(pri)
    util.write_file(args[0], keys.public_key_text(key), 0o644)
    print('drwsign: public key written to %s' % args[0])
    return 0


def gencert(switches, args):
    """drwsign gencert / cert."""
    pri = switches.get('private-key', 'drwcsd.pri')
    if len(args) != 1:
        raise util.UsageError('gencert needs exactly one <cert.pem> file argument')
    try:
        days = int(switches.get('days', '3650'))
    except ValueError as exc:
        raise util.UsageError('-days expects a number') from exc
    key = keys.load_private_key(pri)
    version = keys.certificate_version(args[0]) + 1
    try:
        text = keys.certificate_text(key, version, switches.get('subj', '/CN=Dr.Web Server'), days)
    except ValueError as exc:
        raise util.UsageError('-subj: %s' % exc) from exc
    util.write_file(args[0], text, 0o644)
    print('drwsign: certificate version %d written to %s' % (version, args[0]))
    return 0


def main(argv=None):
    """Entry point of /opt/drwcs/bin/drwsign."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if not argv or argv[0] in ('-help', '--help', '-h', 'help'):
            sys.stdout.write(product.banner() + '\n' + USAGE)
            return 0 if argv else 1
        command, rest = argv[0], argv[1:]
        spec = {'private-key': 'value', 'public-key': 'value', 'subj': 'value', 'days': 'value', 'help': 'bool'}
        switches, args = util.parse_switches(rest, spec)
        if switches.get('help'):
            sys.stdout.write(USAGE)
            return 0
        if command == 'genkey':
            return genkey(args)
        if command == 'extract':
            return extract(switches, args)
        if command in ('gencert', 'cert'):
            return gencert(switches, args)
        raise util.UsageError('unknown command %r' % command)
    except util.UsageError as exc:
        sys.stderr.write('drwsign: %s\n%s' % (exc, USAGE))
        return 1
    except (keys.KeyFileError, OSError) as exc:
        sys.stderr.write('drwsign: error: %s\n' % exc)
        return 2


if __name__ == '__main__':
    sys.exit(main())
