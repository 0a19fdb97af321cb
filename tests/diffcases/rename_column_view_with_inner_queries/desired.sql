create table discounts (id int primary key, discount_code text, kind int);
create table targets (coupon_id int references discounts, plan_id int);
create view exports as
    select c.id, c.discount_code as code,
           to_json(array(select t.plan_id from targets t where t.coupon_id = c.id)) as plans,
           (select count(*) from targets t where t.coupon_id = c.id) as n
    from discounts c
    where c.discount_code in (select c2.discount_code as k from discounts c2 where c2.kind > 0);
create view both_kinds as
    select c.discount_code as label from discounts c union all select 'x' as label;
create view inner_bare as select s.code from (select c.discount_code as code from discounts c) s;
create view in_cte as with w as (select discount_code as code from discounts) select code from w;
