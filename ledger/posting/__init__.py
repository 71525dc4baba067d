"""公示 postings and the objections (异议/举报) received while they are up (issue 15)."""
