{#-
    `relationships` inside one table: each value of the column is the `field` of a row that shares
    the `within` columns with it (a criterion's parent is a criterion of the same record, written by
    the same build). Both sides are the tested rows, so a nightly build's test joins the rows it
    wrote (macros/get_where_subquery.sql), not the whole table.
-#}
{% test relationships_within(model, column_name, field, within) %}

with

tested as (

    select * from {{ model }}

)

select child.{{ column_name }}
from tested as child
left join tested as parent
    on parent.{{ field }} = child.{{ column_name }}
    {%- for column in within %}
    and parent.{{ column }} = child.{{ column }}
    {%- endfor %}
where child.{{ column_name }} is not null
    and parent.{{ field }} is null

{% endtest %}
