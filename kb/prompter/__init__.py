"""The operator prompter: suggested answers from the knowledge base for each customer
message in a session with an operator, the operators' feedback on them, what the
knowledge base learns from that feedback, the weekly figures and the candidate articles
gathered from unanswered questions. See docs/knowledge-base.md, "Prompter"."""
