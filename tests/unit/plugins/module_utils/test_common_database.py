# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of module_utils common_database: the TLS options of the connection to the common database."""

from __future__ import annotations

import pytest

from ansible_collections.drweb.cluster.plugins.module_utils import common_database

PARAMS = dict(login_host='db.example.test', port=5432, db='drwcs', login_user='drwcs', login_password='s3cret',
              ssl_mode='prefer', ca_cert=None, connect_timeout=10)


class Driver:
    """Records the keywords connect() passes to the driver; fails with the given error when one is set."""

    def __init__(self, error=None):
        self.error, self.arguments = error, None

    def connect(self, **arguments):
        self.arguments = arguments
        if self.error:
            raise self.error
        return 'connection'


def params(**changes):
    return dict(PARAMS, **changes)


def test_the_ca_file_reaches_libpq_as_sslrootcert():
    driver = Driver()
    common_database.connect(driver, params(ssl_mode='verify-full', ca_cert='/etc/ssl/db-ca.pem'), 'test')
    assert driver.arguments['sslmode'] == 'verify-full' and driver.arguments['sslrootcert'] == '/etc/ssl/db-ca.pem'


def test_no_ca_file_leaves_libpq_its_default():
    driver = Driver()
    common_database.connect(driver, params(), 'test')
    assert 'sslrootcert' not in driver.arguments


@pytest.mark.parametrize('mode', ['verify-ca', 'verify-full'])
def test_a_verifying_mode_without_a_ca_file_is_refused(mode):
    for ca_cert in (None, '', '  '):
        problem = common_database.check_params(params(ssl_mode=mode, ca_cert=ca_cert))
        assert problem and 'ca_cert (drweb_db_ssl_ca_file) must name the CA file' in problem


@pytest.mark.parametrize('mode', ['disable', 'allow', 'prefer', 'require'])
def test_modes_that_do_not_check_the_certificate_need_no_ca_file(mode):
    assert common_database.check_params(params(ssl_mode=mode)) is None


@pytest.mark.parametrize('error', [
    'connection failed: SSL error: certificate verify failed',
    'connection failed: could not read root certificate file "/etc/ssl/none.pem": no SSL error reported',
    'connection failed: server certificate for "db1" does not match host name "10.0.0.2"',
])
def test_a_certificate_error_names_the_ca_file_variable_and_no_password(error):
    with pytest.raises(common_database.DatabaseError) as raised:
        common_database.connect(Driver(Exception(error)), params(ssl_mode='verify-full', ca_cert='/etc/ssl/db-ca.pem'), 'test')
    message = str(raised.value)
    assert error in message and 'check drweb_db_ssl_ca_file' in message and 's3cret' not in message
