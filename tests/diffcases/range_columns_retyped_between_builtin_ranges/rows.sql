insert into slot values (1, 1, '[2024-01-01,2024-01-02)'), (2, 1, '[2024-01-02,2024-01-03)');
insert into x values (1, '[1,5)', '{[1,2),[4,6)}', array['[1,2)'::int4range]);
