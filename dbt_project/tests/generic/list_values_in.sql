{#- Every element of a list column is one of `values` (dbt's accepted_values, for VARCHAR[] columns). -#}
{% test list_values_in(model, column_name, values) %}

with

elements as (

    select unnest({{ column_name }}) as element
    from {{ model }}

)

select element
from elements
where element is null
   or element not in ({% for value in values %}'{{ value }}'{% if not loop.last %}, {% endif %}{% endfor %})

{% endtest %}
