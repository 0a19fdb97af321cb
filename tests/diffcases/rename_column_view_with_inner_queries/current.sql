-- An accepted rename of a table and its column under views with inner queries (lago's exports_coupons: an
-- ARRAY(SELECT ...) over another table): where no inner query outputs the renamed column by its own name,
-- the respelling says what the server prints, and the view is kept. One whose subquery outputs it bare
-- (the server then prints `c.discount_code AS code` there) and one whose CTE does are made again, as before.
create table coupons (id int primary key, code text, kind int);
create table targets (coupon_id int references coupons, plan_id int);
create view exports as
    select c.id, c.code,
           to_json(array(select t.plan_id from targets t where t.coupon_id = c.id)) as plans,
           (select count(*) from targets t where t.coupon_id = c.id) as n
    from coupons c
    where c.code in (select c2.code as k from coupons c2 where c2.kind > 0);
create view both_kinds as
    select c.code as label from coupons c union all select 'x' as label;
create view inner_bare as select s.code from (select c.code from coupons c) s;
create view in_cte as with w as (select code from coupons) select code from w;
