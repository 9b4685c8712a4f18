from farm_admin_dashboard.plugin import page_params, parse_sort, register, search_filter

__all__ = ["page_params", "parse_sort", "register", "search_filter"]
