insert into slot values (1, 1, '[2024-01-01 00:00+00,2024-01-02 00:00+00)');
insert into x values (1, '[1,5]', '{[1,2),[4,6)}', array['[1,2)'::int8range]);
