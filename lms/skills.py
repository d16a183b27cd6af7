"""The skill tracks' two axes (guide 5.2): five dimensions and three levels.

Insertion order is the guide's order, so loops over these dicts list the
dimensions and levels the way the guide's table does. Question banks, skill
tracks and case reviews all refer to them by these keys.
"""

SKILL_DIMENSIONS = {
    "communication": "客户沟通技巧",
    "product": "产品知识更新",
    "process": "销售流程优化",
    "influencers": "决策影响者管理",
    "data": "数据驱动销售决策",
}

SKILL_LEVELS = {
    "basic": "初级",
    "intermediate": "进阶",
    "advanced": "高级",
}
