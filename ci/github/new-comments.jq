# Input: flushcheck's --format github payload. $posted: the bodies of the pull
# request's existing review comments, concatenated. $sha: the head commit.
# Output: the payload without comments whose findings were all posted before,
# pinned to the head commit so a push during the run cannot shift the lines.
def markers: [scan("<!-- flushcheck:finding ([0-9a-f-]+) -->") | .[0]];
($posted | markers) as $old
| .commit_id = $sha
| .comments |= map(select((.body | markers) - $old | length > 0))
