"""Licence key files of the double (agent.key).

product-facts 10.8 (CONFIRMED): key files are signed and editing one invalidates it. The real format is not
public; the double's format is an INI-like text signed with HMAC-SHA256 under a fixed "vendor" secret:

    [Key]
    KeyNumber=0110000001
    Created=20240101
    Activation=20240101
    Expires=20301231
    Applications=Server,Agent
    Clients=50
    [User]
    Name=Lab Organisation
    [Signature]
    Value=<hex HMAC-SHA256 of every byte before the "[Signature]" line, CR LF folded to LF>

Make one:  python3 -m drwcsd_double.licence make [--number=N] [--user=NAME] [--clients=N] [--expires=YYYYMMDD] FILE
"""

import argparse
import calendar
import configparser
import hashlib
import hmac
import sys
import time

VENDOR_SECRET = b'drwcsd-double vendor licence signing secret'
SIGNATURE_MARK = '[Signature]'


class LicenceError(Exception):
    """An unreadable, unsigned or tampered key file."""


def _sign(body):
    return hmac.new(VENDOR_SECRET, body.encode('utf-8'), hashlib.sha256).hexdigest()


def make_key(number='0110000001', user='Lab Organisation', clients=50, created=None, expires='20301231', applications='Server,Agent'):
    """The text of a signed key file."""
    created = created or time.strftime('%Y%m%d', time.gmtime())
    body = ('[Key]\nKeyNumber=%s\nCreated=%s\nActivation=%s\nExpires=%s\nApplications=%s\nClients=%d\n[User]\nName=%s\n'
            % (number, created, created, expires, applications, int(clients), user))
    return body + '%s\nValue=%s\n' % (SIGNATURE_MARK, _sign(body))


def _stamp(value):
    try:
        return calendar.timegm(time.strptime(value, '%Y%m%d'))
    except (TypeError, ValueError):
        return 0


def parse_key(text):
    """Check the signature and return the key's fields; LicenceError if it is not a valid key."""
    text = text.replace('\r\n', '\n')
    body, sep, tail = text.partition(SIGNATURE_MARK + '\n')
    if not sep:
        raise LicenceError('the key file has no [Signature] section')
    value = ''
    for line in tail.splitlines():
        if line.startswith('Value='):
            value = line[len('Value='):].strip()
    if not hmac.compare_digest(value, _sign(body)):
        raise LicenceError('the key file signature is invalid (the file was changed)')
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    try:
        parser.read_string(body)
        key = parser['Key']
        return {
            'id': key['KeyNumber'],
            'user': parser.get('User', 'Name', fallback=''),
            'created': _stamp(key.get('Created')),
            'activation': _stamp(key.get('Activation')),
            'expires': _stamp(key.get('Expires')),
            'clients': int(key.get('Clients', '0')),
            'applications': key.get('Applications', ''),
        }
    except (configparser.Error, KeyError, ValueError) as exc:
        raise LicenceError('the key file is malformed: %s' % exc) from exc


def main(argv=None):
    """python3 -m drwcsd_double.licence make ... FILE"""
    parser = argparse.ArgumentParser(prog='drwcsd_double.licence', description='Make a licence key file for the drwcsd double.')
    sub = parser.add_subparsers(dest='command', required=True)
    make = sub.add_parser('make')
    make.add_argument('--number', default='0110000001')
    make.add_argument('--user', default='Lab Organisation')
    make.add_argument('--clients', type=int, default=50)
    make.add_argument('--expires', default='20301231')
    make.add_argument('file')
    check = sub.add_parser('check')
    check.add_argument('file')
    args = parser.parse_args(argv)
    if args.command == 'make':
        with open(args.file, 'w', encoding='utf-8') as handle:
            handle.write(make_key(args.number, args.user, args.clients, expires=args.expires))
        return 0
    with open(args.file, encoding='utf-8') as handle:
        try:
            print(parse_key(handle.read()))
        except LicenceError as exc:
            print('invalid: %s' % exc)
            return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
