"""What makes the site run: environment set-up, the tested range, the claims ledger, Markdown output."""
