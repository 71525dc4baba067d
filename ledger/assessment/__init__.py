"""The routine assessment of a county organisation department's own cadres (issue 14).

Qianshan's 平时考核 ("个人有小结、领导有评鉴、结果有反馈、改进有目标", "三挂钩"), Huaining's
"讲组工" lectures ("一人讲、大家听、现场测") and 以老带新 mentoring, and the training classes
("常态化开展公务员初任培训班、中青年干部培训班、科级干部培训班课程"): one concept per module,
the commands in service.py (``Assessment``).
"""
