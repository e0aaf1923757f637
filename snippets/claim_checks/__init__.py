"""The checks behind the site's claims: each public function backs the sentences that name it.

A check takes no argument, runs the experiment that shows its claim, returns the evidence
as one line (its doctest asserts that line) and raises ``snippets.support.claims.ClaimFailed`` when
the claim no longer holds. One module per page or topic; ``snippets.support.claims`` finds them.
"""
