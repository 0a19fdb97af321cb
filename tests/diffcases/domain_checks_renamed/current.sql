-- A domain's CHECKs named otherwise, or trading names, alike in all else: renamed in place (ALTER DOMAIN ...
-- RENAME CONSTRAINT), not dropped and added again, which checks every column of the domain in every table
-- anew under its lock. A renamed CHECK keeps its comment (the desired side has another on one); one that also
-- changes is replaced: the new one added NOT VALID under a passing name and validated, the old one dropped.
create domain score as int
    constraint score_pos check (value > 0)
    constraint score_small check (value < 1000)
    constraint score_even check (value % 2 = 0)
    constraint score_lim check (value <> 7);
comment on constraint score_small on domain score is 'below a thousand';
comment on constraint score_pos on domain score is 'positive';
create table t (id int primary key, s score);
