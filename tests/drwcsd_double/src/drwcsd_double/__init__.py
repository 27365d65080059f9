"""drwcsd test double: a stand-in for the proprietary Dr.Web Server (drwcsd) used by the drweb.cluster tests.

See tests/drwcsd_double/README.md for what it implements and every place where it follows a GUESS of
the product facts (/work/shared/reference/product-facts.md).
"""
