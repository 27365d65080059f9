# -*- coding: utf-8 -*-
# Copyright: drweb.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the modules that ask the node's own Server through its Web API share: their login options (documented by the
doc fragment drweb.cluster.web_api) and the Server's local address."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.drweb.cluster.plugins.module_utils import drwcsd

# The node's own Server: its Web API listens on every interface, the modules ask it on the loopback address.
LOCAL_URL = 'https://127.0.0.1:%d' % drwcsd.WEB_API_HTTPS_PORT


def argument_spec():
    """admin_user, admin_password (no_log) and web_api_timeout, as the doc fragment drweb.cluster.web_api documents."""
    return dict(
        admin_user=dict(type='str', default='admin'),
        admin_password=dict(type='str', no_log=True),
        web_api_timeout=dict(type='int', default=10),
    )
