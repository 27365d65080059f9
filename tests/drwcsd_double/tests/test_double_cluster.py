"""The cluster protocol over real multicast on the loopback interface."""

import shutil
import xml.etree.ElementTree as ET

from double_helpers import free_port, wait_for


def peers_of(srv):
    """{peer id: peer} from summary.ds (JSON)."""
    return {p['id']: p for p in srv.api('server/summary.ds')['data']['cluster']['peers']}


def test_three_servers_hear_each_other(make_instance):
    """a and b share keys and salt; c is a stranger: everyone hears everyone, c is flagged."""
    port = free_port()
    a, b, c = make_instance('a'), make_instance('b'), make_instance('c')
    a.install('13.00.0')
    shutil.copytree(a.etc, b.etc)
    b.write('drwcsd.conf', a.read('drwcsd.conf').replace(a.read('drwcsd.conf').split('<id value="')[1].split('"')[0],
                                                         '0b0b0b0b-0000-4000-8000-000000000000'))
    b.install('13.00.0')
    c.install('13.00.1')
    for srv in (a, b, c):
        srv.set_ports()
        srv.enable_cluster(port)
        srv.start()
    ids = {srv.api('server/summary.ds')['data']['uuid']: srv for srv in (a, b, c)}
    for srv in (a, b, c):
        wait_for(lambda srv=srv: len(peers_of(srv)) == 2, timeout=10)
        assert set(peers_of(srv)) == set(ids) - {srv.api('server/summary.ds')['data']['uuid']}
    a_id, b_id, c_id = (srv.api('server/summary.ds')['data']['uuid'] for srv in (a, b, c))
    assert peers_of(a)[b_id]['differs'] == []
    assert set(peers_of(a)[c_id]['differs']) >= {'key', 'certificate', 'version', 'passwd-salt', 'repository'}
    assert peers_of(c)[a_id]['version'] == '13.00.0.202005090'
    xml = ET.fromstring(a.api('server/summary.ds', fmt='xml')).find('server-summary/cluster')
    assert xml.get('enabled') == 'yes' and xml.get('active') == 'yes' and len(xml.findall('peer')) == 2
    log = a.log_text()
    assert 'cluster: joined multicast group 232.0.0.1 port %d on interface 127.0.0.1' % port in log
    assert 'cluster: peer %s' % c_id in log and 'key differs from this Server' in log
    # a stopped peer is forgotten after a few seconds
    c.stop()
    wait_for(lambda: c_id not in peers_of(a), timeout=10)
    assert 'cluster: peer %s' % c_id in a.log_text() and 'lost' in a.log_text()


def test_cluster_disabled_by_default_sends_nothing(make_instance):
    """With CLUSTER in <protocols><disabled>, the Server neither joins nor reports peers."""
    srv = make_instance()
    srv.install('13.00.0')
    srv.start()
    cluster = srv.api('server/summary.ds')['data']['cluster']
    assert cluster['enabled'] == 'no' and cluster['peers'] == []
    assert 'cluster protocol is disabled' in srv.log_text()
