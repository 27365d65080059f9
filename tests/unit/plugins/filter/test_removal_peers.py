# Copyright (c) drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""drweb.cluster.removal_peers: a remaining Server hears every other remaining one and no longer the removed one; the
read is repeated until then, or stops at once when the peers cannot be read."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.drweb.cluster.plugins.filter.removal_peers import removal_peers

HOSTVARS = {host: {'ansible_facts': {'drweb_server': {'server_id': 'id-' + host}}} for host in ('node1', 'node2', 'node3')}


def server(*ids, error=None, peers=True):
    return {'web_api': {'peers': [{'id': peer, 'address': '10.0.0.%d' % n} for n, peer in enumerate(ids)] if peers else None,
                        'error': error}}


def test_the_removed_server_forgotten_and_every_other_heard():
    verdict = removal_peers(server('id-node2'), HOSTVARS, ['node2'], 'node3')
    assert verdict == dict(settled=True, heard=['id-node2'], problems=[])


def test_still_hearing_the_removed_server_is_read_again():
    verdict = removal_peers(server('id-node2', 'id-node3'), HOSTVARS, ['node2'], 'node3')
    assert not verdict['settled'] and verdict['problems'] == ['still hears node3 (id-node3)']


def test_a_remaining_server_not_heard_is_named_with_the_removed_one():
    verdict = removal_peers(server('id-node3'), HOSTVARS, ['node1', 'node2'], 'node3')
    assert not verdict['settled']
    assert ' '.join(verdict['problems']) == 'still hears node3 (id-node3) does not hear node1, node2'
    assert removal_peers(server(), HOSTVARS, ['node2'], 'node3')['problems'] == ['does not hear node2']


@pytest.mark.parametrize('error, said', [('401 Unauthorized', '401 Unauthorized'),
                                         (None, 'the Web API reply has no peer list')])
def test_peers_that_cannot_be_read_stop_the_wait_and_name_the_password(error, said):
    verdict = removal_peers(server(peers=False, error=error), HOSTVARS, ['node2'], 'node3')
    assert verdict['settled'] and verdict['heard'] == []
    assert verdict['problems'] == ['the cluster peers cannot be read (%s; set drweb_admin_password): not verified that '
                                   'node3 left the cluster' % said]
    assert removal_peers({}, HOSTVARS, ['node2'], 'node3')['settled']   # the read itself failed


def test_a_server_whose_id_was_never_read_counts_as_not_heard():
    hostvars = dict(HOSTVARS, node2={'ansible_facts': {}})
    assert removal_peers(server('id-node1'), hostvars, ['node1', 'node2'], 'node3')['problems'] == ['does not hear node2']


def test_inputs_of_the_wrong_shape_are_an_error():
    with pytest.raises(AnsibleFilterError, match='server dictionary'):
        removal_peers(None, HOSTVARS, [], 'node3')
    with pytest.raises(AnsibleFilterError, match='inventory names'):
        removal_peers(server(), HOSTVARS, 'node2', 'node3')
