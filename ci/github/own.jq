# Input: the pages of a GitHub API list (issue comments, review comments or
# reviews), slurped with `jq -s`. $bot: the login the action posts as.
# $marker: the hidden line flushcheck starts its body with ("" for any).
# Output: only the bot's own items that carry the marker. Anyone can write a
# marker into a comment; only the author tells the bot's comments apart, so a
# pull-request author cannot pre-post markers to silence or hijack the bot.
[.[][] | select(.user.login == $bot and ((.body // "") | startswith($marker)))]
