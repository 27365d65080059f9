# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of drweb.cluster.update_zone_revisions on zone trees served over HTTP from this process and read as file://."""

from __future__ import annotations

import functools
import http.server
import os
import socket
import threading

import pytest

from ansible_collections.drweb.cluster.plugins.modules import update_zone_revisions as module
from ansible_collections.drweb.cluster.tests.unit.plugins.modules.utils import AnsibleFailJson, run_module

R1 = '20250101000000'
R2 = '20250201000000'


def publish(root, code, revisions):
    os.makedirs(os.path.join(root, code), exist_ok=True)
    with open(os.path.join(root, code, 'revisions.txt'), 'w', encoding='utf-8') as handle:
        handle.writelines(revision + '\n' for revision in revisions)


@pytest.fixture
def zone_root(tmp_path):
    root = str(tmp_path / 'zone')
    os.makedirs(root)
    with open(os.path.join(root, 'products.txt'), 'w', encoding='utf-8') as handle:
        handle.write('05-drwmeta\n10-drwbases\n\n')
    publish(root, '05-drwmeta', [R1, R2])
    publish(root, '10-drwbases', [R1])
    return root


@pytest.fixture
def served(zone_root):
    """http://127.0.0.1:<port>/ serving zone_root."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=zone_root)
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield 'http://127.0.0.1:%d/' % server.server_address[1]
    server.shutdown()
    server.server_close()


def test_http_zone_newest_revision_is_the_last_line(served):
    result = run_module(module, {'url': served})
    assert result['changed'] is False and result['answered'] is True and result['readable'] is True
    assert result['products'] == ['05-drwmeta', '10-drwbases']
    assert result['revisions'] == {'05-drwmeta': R2, '10-drwbases': R1}


def test_file_zone_is_read_from_the_node(zone_root):
    result = run_module(module, {'url': 'file://' + zone_root})
    assert result['readable'] is True and result['revisions'] == {'05-drwmeta': R2, '10-drwbases': R1}


def test_zone_answering_without_a_revision_list_is_unreadable_not_a_failure(served, zone_root):
    os.remove(os.path.join(zone_root, 'products.txt'))
    result = run_module(module, {'url': served})
    assert result['answered'] is True and result['readable'] is False and result['reason'] == 'products.txt: HTTP 404'


def test_a_missing_product_list_is_named(served, zone_root):
    os.remove(os.path.join(zone_root, '10-drwbases', 'revisions.txt'))
    result = run_module(module, {'url': served})
    assert result['readable'] is False and result['reason'] == '10-drwbases/revisions.txt: HTTP 404'


def test_bad_codes_and_revision_names_are_refused_as_unreadable(served, zone_root):
    publish(zone_root, '10-drwbases', [R1, '../etc'])
    assert 'is not a revision name' in run_module(module, {'url': served})['reason']
    with open(os.path.join(zone_root, 'products.txt'), 'w', encoding='utf-8') as handle:
        handle.write('../secret\n')
    assert 'is not a product code' in run_module(module, {'url': served})['reason']


def test_empty_zone_is_unreadable(served, zone_root):
    with open(os.path.join(zone_root, 'products.txt'), 'w', encoding='utf-8') as handle:
        handle.write('')
    result = run_module(module, {'url': served})
    assert result['readable'] is False and result['reason'] == 'the zone offers no revision of any product'


def test_zone_not_answering_fails_naming_the_url():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    url = 'http://127.0.0.1:%d/update/' % port
    with pytest.raises(AnsibleFailJson) as failure:
        run_module(module, {'url': url, 'timeout': 2})
    assert failure.value.result['answered'] is False
    assert 'no answer from %sproducts.txt' % url in failure.value.result['msg']


def test_other_schemes_are_not_read():
    result = run_module(module, {'url': 'ftp://mirror.example.com/update'})
    assert result['answered'] is None and result['readable'] is False and 'ftp:// zone is not read' in result['reason']
