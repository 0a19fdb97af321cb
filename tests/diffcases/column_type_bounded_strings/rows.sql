insert into t values
    (1, 'ab-12', 'short', 'JS', '{red,green}', B'1011', 'happy', 12.3456),
    (2, null, null, null, null, null, null, null);
