insert into t values (1, 'ab-12', 'short', 'JS', '{red,green}', B'1011', 'sad', 12.35);
