"""OAuth2 for SMTP (XOAUTH2): provider presets, the grants (authlib over httpx) and the key
material they sign with. No Textual, no database: the credential service stores what these
return."""
