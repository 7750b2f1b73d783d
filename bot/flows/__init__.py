"""Flow definitions as data: the schema, how a step's text is built, and the file side.

`bot.flows.schema` and `bot.flows.parts` are pure and are what the engine imports;
`loader`, `checks`, `guardrails` and `budgets` read and check flow files; `catalog`
extracts their texts for interpreters. Importing this package loads none of them.
"""
